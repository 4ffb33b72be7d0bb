//! The client's address behind balancers (`TRUSTED_PROXIES`): taken from `X-Forwarded-For`
//! only when the connection comes from a trusted proxy, and then the rightmost address in
//! the header that is not itself a trusted proxy. Anything to the left of that is what the
//! client wrote, and anyone can write anything there.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// The address to record for a request that came over a connection from `peer`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    if !is_trusted(&client) {
        return client;
    }
    // Each proxy appends the address it got the request from; several headers read as one
    // list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            // What a trusted proxy says came before it is believed, one step at a time.
            Ok(ip) => client = ip,
            // Garbage: the last address vouched for stands.
            Err(_) => break,
        }
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_trusted;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn with(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_a_trusted_peer_is_believed() {
        let trusted = parse_trusted("10.0.0.0/8, 127.0.0.1").unwrap();
        let h = with(&["203.0.113.7"]);
        assert_eq!(
            client_ip(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("203.0.113.7"));
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = parse_trusted("10.0.0.0/8").unwrap();
        // The client forged the first entry; the two proxies appended the rest.
        let h = with(&["6.6.6.6, 203.0.113.7", "10.1.1.1"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("203.0.113.7"));
        // Every hop trusted: the leftmost one.
        let h = with(&["10.9.9.9, 10.1.1.1"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("10.9.9.9"));
        // Garbage stops the walk at the last address vouched for.
        let h = with(&["203.0.113.7, nonsense"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("10.0.0.2"));
        let h = with(&["2001:db8::1"]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &trusted), ip("2001:db8::1"));
    }
}
