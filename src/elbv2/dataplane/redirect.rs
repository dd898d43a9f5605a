//! Where a redirect action sends a request: its `Location` built from the action's components
//! and the request's values. A pure function, tested without sockets.

use super::route::RequestView;

/// A redirect action's components, with `#{…}` placeholders.
#[derive(Debug, Clone, Copy)]
pub(super) struct Redirect<'a> {
    pub protocol: &'a str,
    pub host: &'a str,
    pub port: &'a str,
    pub path: &'a str,
    pub query: &'a str,
}

/// The `Location` of a redirect: placeholders replaced by the request's values (`#{path}` is the
/// path without its leading `/`, as ELBv2's default `/#{path}` implies), the scheme lowercase, the
/// port omitted when it is the scheme's default and the query only when non-empty.
pub(super) fn location(to: &Redirect, req: &RequestView, listener_port: u16) -> String {
    let port = listener_port.to_string();
    let fill = |text: &str| {
        text.replace("#{protocol}", "http")
            .replace("#{host}", req.host)
            .replace("#{port}", &port)
            .replace("#{path}", req.path.strip_prefix('/').unwrap_or(req.path))
            .replace("#{query}", req.query)
    };
    let scheme = fill(to.protocol).to_ascii_lowercase();
    let host = fill(to.host);
    let port = fill(to.port);
    let mut path = fill(to.path);
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    let query = fill(to.query);
    let default_port = match scheme.as_str() {
        "https" => "443",
        _ => "80",
    };
    let mut url = format!("{scheme}://{host}");
    if !port.is_empty() && port != default_port {
        url.push(':');
        url.push_str(&port);
    }
    url.push_str(&path);
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::http::request::Parts;
    use hyper::Request;

    fn parts(uri: &str, host: &str) -> Parts {
        let req = Request::get(uri).header("host", host).body(()).unwrap();
        req.into_parts().0
    }

    fn view(parts: &Parts) -> RequestView<'_> {
        RequestView::new(parts, "10.0.1.7".parse().unwrap())
    }

    fn defaults() -> Redirect<'static> {
        Redirect {
            protocol: "#{protocol}",
            host: "#{host}",
            port: "#{port}",
            path: "/#{path}",
            query: "#{query}",
        }
    }

    #[test]
    fn redirect_keeps_what_is_not_overridden() {
        let p = parts("/x/y?a=1", "example.com:8080");
        let to_https = Redirect {
            protocol: "HTTPS",
            port: "443",
            ..defaults()
        };
        assert_eq!(
            location(&to_https, &view(&p), 8080),
            "https://example.com/x/y?a=1"
        );
        assert_eq!(
            location(&defaults(), &view(&p), 8080),
            "http://example.com:8080/x/y?a=1"
        );
    }

    #[test]
    fn redirect_omits_default_port_and_empty_query() {
        let p = parts("/old", "example.com");
        let moved = Redirect {
            host: "new.#{host}",
            path: "new/#{path}",
            ..defaults()
        };
        assert_eq!(
            location(&moved, &view(&p), 80),
            "http://new.example.com/new/old"
        );
    }
}
