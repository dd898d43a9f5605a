//! AWS Query: <https://smithy.io/2.0/aws/protocols/aws-query-protocol.html>.
//! STUB: to be completed.

use std::collections::BTreeMap;

/// Parses `application/x-www-form-urlencoded` text (a body or a query string) into its pairs.
pub fn parse_form(_text: &str) -> BTreeMap<String, String> {
    BTreeMap::new()
}
