//! `TRUSTED_PROXIES`: the balancers whose `X-Forwarded-For` is believed (see
//! `web::forwarded`).

use ipnet::IpNet;
use std::net::IpAddr;

/// Parses `TRUSTED_PROXIES`: addresses or CIDR ranges, comma-separated.
pub fn parse_trusted(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("\"{s}\" is neither an IP address nor a CIDR range"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_entries_are_named() {
        assert!(parse_trusted("").unwrap().is_empty());
        assert_eq!(parse_trusted("::1, 192.168.0.0/16").unwrap().len(), 2);
        assert!(parse_trusted("10.0.0.0/8, proxy.local")
            .unwrap_err()
            .contains("proxy.local"));
    }
}
