//! Values as coral shows them in validation messages (Java's `toString`): strings bare,
//! lists `[a, b]`, maps and structures `{k=v}`.

use serde_json::Value;

/// Rendered values longer than this are cut, so one huge input cannot bloat the message.
const MAX_RENDERED: usize = 256;

/// A value as coral (Java's `toString`) shows it: strings bare, lists `[a, b]`, maps `{k=v}`.
pub(crate) fn render(value: &Value) -> String {
    let mut out = String::new();
    render_into(value, &mut out);
    if out.len() > MAX_RENDERED {
        let mut cut = MAX_RENDERED;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

fn render_into(value: &Value, out: &mut String) {
    if out.len() > MAX_RENDERED {
        return;
    }
    match value {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(item, out);
            }
            out.push(']');
        }
        Value::Object(obj) => {
            out.push('{');
            for (i, (k, v)) in obj.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                render_into(v, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}
