//! Server-side request forgery guard: subscriber URLs must be `http(s)` and, unless private
//! addresses are allowed, must not reach loopback, private, link-local or other internal
//! addresses. The check runs when a webhook is saved and again on every connection, inside the
//! client's DNS resolver, so a name that later resolves to an internal address is still refused.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use futures_util::future::LocalBoxFuture;

/// Whether an address is one that a subscriber must not point at: anything but a global unicast
/// address. IPv6 is read as an allow-list (only 2000::/3, less the blocks below), so that forms
/// which carry an IPv4 address inside (IPv4-mapped `::ffff:0:0/96`, IPv4-compatible `::/96`,
/// NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, Teredo `2001::/32`) cannot reach an internal host.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_v4(v4);
            }
            let s = v6.segments();
            let global_unicast = (s[0] & 0xe000) == 0x2000; // 2000::/3
            !global_unicast
                || s[0] == 0x2002 // 6to4: an IPv4 address in bits 16..48
                || (s[0] == 0x2001 && s[1] < 0x0200) // 2001::/23, IETF protocols: Teredo, benchmarking, ORCHID
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x3fff && s[1] < 0x1000) // documentation 3fff::/20
        }
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space 100.64.0.0/10
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 192 && b == 88 && ip.octets()[2] == 99) // 6to4 relay anycast
        || a >= 240 // reserved
}

/// Why `raw` cannot be a subscriber URL, checked without the network: the scheme, the host, and
/// a literal address.
pub fn check_url(raw: &str, allow_private: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "the scheme must be http or https, not {}",
            url.scheme()
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password".to_owned());
    }
    let literal = match url.host() {
        None => return Err("has no host".to_owned()),
        Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if !allow_private && (d == "localhost" || d.ends_with(".localhost")) {
                return Err(refusal());
            }
            None
        }
    };
    if let Some(ip) = literal {
        if !allow_private && is_internal(ip) {
            return Err(refusal());
        }
    }
    Ok(url)
}

pub fn refusal() -> String {
    "points at a loopback, private or otherwise internal address, which subscribers may not use"
        .to_owned()
}

/// Resolves `host:port`, refusing when private addresses are not allowed and any address the
/// name resolves to is internal.
pub async fn resolve(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    if !allow_private && addrs.iter().any(|a| is_internal(a.ip())) {
        return Err(format!("{host} {}", refusal()));
    }
    Ok(addrs)
}

/// The delivery client's resolver: every name is checked as it is resolved.
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl actix_tls::connect::Resolve for GuardedResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn std::error::Error>>> {
        Box::pin(async move {
            resolve(host, port, self.allow_private)
                .await
                .map_err(Box::<dyn std::error::Error>::from)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "255.255.255.255",
            "224.0.0.1",
            "::",
            "::127.0.0.1",
            "::a00:1",
            "2002:7f00:1::1",
            "2002:c0a8:101::",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:db8::1",
            "ff02::1",
            "192.88.99.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "203.113.131.2",
            "8.8.8.8",
            "2001:4860:4860::8888",
            "1.1.1.1",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_without_the_network() {
        assert!(check_url("https://portal.example.vn/hook", false).is_ok());
        for bad in [
            "ftp://example.vn/x",
            "file:///etc/passwd",
            "not a url",
            "http://127.0.0.1:9000/",
            "http://[::1]/",
            "http://localhost:8080/",
            "http://10.0.0.5/",
            "http://user:pw@example.vn/",
            "http://[::127.0.0.1]/",
            "http://[2002:7f00:1::]/",
            "http://[2001::1]/",
            "http://[64:ff9b::7f00:1]/",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://127.0.0.1:9000/", true).is_ok());
        assert!(check_url("ftp://example.vn/x", true).is_err());
    }

    #[actix_web::test]
    async fn names_that_resolve_inside_are_refused() {
        assert!(resolve("localhost", 80, false).await.is_err());
        assert!(!resolve("localhost", 80, true).await.unwrap().is_empty());
    }
}
