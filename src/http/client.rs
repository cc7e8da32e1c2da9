//! Who the client of a request is: the one function that decides it, used by the rate limit, the
//! login throttle and the logs.
//!
//! The client is the TCP peer, unless the peer is a trusted proxy (`BANTIN_TRUSTED_PROXIES`):
//! then it is the right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
//! `X-Forwarded-For` from any other peer is ignored, so a client cannot escape its limits by
//! writing the header itself; `Forwarded`, `X-Real-IP` and the like are never read.

use std::net::{IpAddr, Ipv6Addr};

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// The most `X-Forwarded-For` entries read from one request; a longer chain is read from its end.
const MAX_HOPS: usize = 32;

impl TrustedProxies {
    /// Parses a comma-separated list of CIDRs (`10.0.0.0/8, 2001:db8::/32`); a bare address is
    /// taken as a single host.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => match item.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => {
                        return Err(format!(
                            "`{item}` is neither a CIDR such as 10.0.0.0/8 nor an address"
                        ))
                    }
                },
            };
            nets.push(net.trunc());
        }
        Ok(Self(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        // Every X-Forwarded-For line, in order, as one list; read from the right, the side the
        // trusted proxies appended to.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev().take(MAX_HOPS) {
            let Some(ip) = parse_hop(hop) else {
                // An entry that is no address ends what can be believed.
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, perhaps with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    None
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// What limits are counted by: the address itself for IPv4, its /64 for IPv6 (one subscriber
/// usually holds a whole /64, so counting single addresses would let it rotate freely).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// The client of a request as the App sees it: the trusted proxies from the state, and the peer.
/// `None` only when the connection has no peer address (not the case on TCP).
pub fn of_request(req: &actix_web::HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let proxies = req
        .app_data::<actix_web::web::Data<crate::app::AppState>>()
        .map(|s| &s.trusted_proxies);
    Some(match proxies {
        Some(p) => p.client(peer, req.headers()),
        None => canonical(peer),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("203.0.113.9"), &headers(&["1.2.3.4"])),
            ip("203.0.113.9")
        );
        let some = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            some.client(ip("203.0.113.9"), &headers(&["1.2.3.4"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let p = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // The client wrote a made-up first entry; the proxies appended the real ones.
        let h = headers(&["6.6.6.6, 198.51.100.20", "192.0.2.7"]);
        assert_eq!(p.client(ip("10.1.2.3"), &h), ip("198.51.100.20"));
        // No header: the proxy itself.
        assert_eq!(p.client(ip("10.1.2.3"), &headers(&[])), ip("10.1.2.3"));
        // Garbage stops the walk at the last believable entry.
        let h = headers(&["1.1.1.1, nonsense, 10.9.9.9"]);
        assert_eq!(p.client(ip("10.1.2.3"), &h), ip("10.9.9.9"));
        // Ports and IPv4-mapped forms are read as addresses.
        let h = headers(&["[2001:db8::5]:443"]);
        assert_eq!(p.client(ip("::ffff:10.0.0.1"), &h), ip("2001:db8::5"));
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_slash_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(limit_key(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
    }

    #[test]
    fn bad_proxy_lists_are_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }
}
