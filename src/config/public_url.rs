//! `PUBLIC_URL`: the origin users reach the server at, and the origin comparison the CSRF
//! rule makes with it.

use super::{bad, ConfigError};
use url::Url;

/// A web origin (`scheme://host[:port]`) in its serialised form, default port omitted, as
/// browsers send it in `Origin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebOrigin(String);

impl WebOrigin {
    /// `PUBLIC_URL`: an `http` or `https` URL with a host and nothing after it but `/`.
    pub fn from_public_url(value: &str) -> Result<WebOrigin, ConfigError> {
        let refuse = || {
            bad(
                "PUBLIC_URL",
                format!("\"{value}\" is not an origin such as https://squid.example.com"),
            )
        };
        let url = Url::parse(value).map_err(|_| refuse())?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none();
        if !plain {
            return Err(refuse());
        }
        Ok(WebOrigin(url.origin().ascii_serialization()))
    }

    /// The origin a request names in its `Origin` header; `None` for `null` or anything
    /// that is not an http(s) origin.
    pub fn from_header(value: &str) -> Option<WebOrigin> {
        let url = Url::parse(value).ok()?;
        if !matches!(url.scheme(), "http" | "https") || url.path() != "/" {
            return None;
        }
        Some(WebOrigin(url.origin().ascii_serialization()))
    }

    /// The origin of a request that reached this plain-HTTP server with `Host: host`.
    pub fn of_request(scheme: &str, host: &str) -> Option<WebOrigin> {
        WebOrigin::from_header(&format!("{scheme}://{host}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_is_an_origin_with_its_default_port_omitted() {
        let o = WebOrigin::from_public_url("https://Squid.Example.com:443/").unwrap();
        assert_eq!(o.as_str(), "https://squid.example.com");
        let o = WebOrigin::from_public_url("http://127.0.0.1:3000").unwrap();
        assert_eq!(o.as_str(), "http://127.0.0.1:3000");
        for bad in [
            "squid.example.com",
            "ftp://squid.example.com",
            "https://squid.example.com/app",
            "https://squid.example.com/?x=1",
            "https://user@squid.example.com",
            "https://",
            "",
        ] {
            let e = WebOrigin::from_public_url(bad).unwrap_err();
            assert_eq!(e.var, "PUBLIC_URL", "{bad}");
        }
    }

    #[test]
    fn header_origins_compare_by_scheme_host_and_port() {
        let ours = WebOrigin::from_public_url("https://squid.example.com").unwrap();
        let same = WebOrigin::from_header("https://squid.example.com:443").unwrap();
        assert_eq!(same, ours);
        for other in [
            "http://squid.example.com",
            "https://squid.example.com:8443",
            "https://evil.example",
        ] {
            assert_ne!(WebOrigin::from_header(other).unwrap(), ours, "{other}");
        }
        assert_eq!(WebOrigin::from_header("null"), None);
        assert_eq!(WebOrigin::from_header("file:///etc/passwd"), None);
        assert_eq!(
            WebOrigin::of_request("http", "127.0.0.1:3000"),
            WebOrigin::from_header("http://127.0.0.1:3000")
        );
        assert_eq!(WebOrigin::of_request("http", "a b"), None);
    }
}
