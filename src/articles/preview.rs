//! Draft preview: a signed token that shows one article, in whatever status it is, to whoever
//! holds the link, until it expires or the article moves past the version it was made for.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// How long a preview link lasts when the editor does not say: one hour.
pub const DEFAULT_TTL_SECS: i64 = 3600;
/// The longest a preview link may last: seven days.
pub const MAX_TTL_SECS: i64 = 7 * 24 * 3600;
/// The most characters of a `preview` token read (a token is about 250).
pub const MAX_TOKEN_LEN: usize = 1000;

const ISSUER: &str = "bantin";
const AUDIENCE: &str = "bantin-preview";

/// The body of `POST /articles/{id}/preview` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"expires_in": 86400, "max_version": 3}))]
pub struct PreviewBody {
    /// Seconds the link lasts: default 3600, at most 604800 (7 days).
    #[schema(minimum = 1, maximum = 604800)]
    pub expires_in: Option<i64>,
    /// The link stops working once the article's `version` is past this one.
    #[schema(minimum = 1)]
    pub max_version: Option<i64>,
}

/// A preview link.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0In0.c2lnbmF0dXJl",
    "expires_at": "2026-12-05T16:00:00Z",
    "url": "https://api.example.vn/api/v1/articles/4?preview=eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0In0.c2lnbmF0dXJl"
}))]
pub struct PreviewLink {
    /// Pass as `preview` to `GET /articles/{id}`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// The article's URL with the token: it needs no other credential.
    pub url: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct PreviewClaims {
    /// The article id.
    sub: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_version: Option<i64>,
}

/// Signs and checks preview tokens with a key of their own, derived from the shared secret (so
/// every server accepts every server's links, and no access token is a preview token).
#[derive(Clone)]
pub struct PreviewKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl PreviewKeys {
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| panic!("HMAC-SHA256 rejected a key"));
        mac.update(b"bantin preview key v1");
        let key = mac.finalize().into_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        // A link's end is the one the editor chose.
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
        }
    }

    /// A token for `article_id`, issued at `now`, good for `ttl_secs`; the time it expires.
    pub fn issue(
        &self,
        article_id: i64,
        now: DateTime<Utc>,
        ttl_secs: i64,
        max_version: Option<i64>,
    ) -> ApiResult<(String, DateTime<Utc>)> {
        let iat = now.timestamp();
        let exp = iat + ttl_secs;
        let claims = PreviewClaims {
            sub: article_id.to_string(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat,
            exp,
            max_version,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)?;
        let expires_at = DateTime::from_timestamp(exp, 0)
            .ok_or_else(|| ApiError::internal("preview expiry out of range"))?;
        Ok((token, expires_at))
    }

    /// The article a token opens, and the version it may not move past: a 401 when the token
    /// is not one of these keys' or has expired.
    pub fn open(&self, token: &str) -> ApiResult<Preview> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(refused("is not one this server issued"));
        }
        let claims = decode::<PreviewClaims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => refused("has expired"),
                _ => refused("is not one this server issued"),
            })?
            .claims;
        let article_id = claims
            .sub
            .parse()
            .map_err(|_| refused("is not one this server issued"))?;
        Ok(Preview {
            article_id,
            max_version: claims.max_version,
        })
    }
}

/// What a valid preview token opens.
#[derive(Debug, Clone, Copy)]
pub struct Preview {
    pub article_id: i64,
    pub max_version: Option<i64>,
}

impl Preview {
    /// A 401 unless this is the article the token was made for, still at a version it allows.
    pub fn admits(&self, article_id: i64, version: i64) -> ApiResult<()> {
        if article_id != self.article_id {
            return Err(refused("is for another article"));
        }
        if self.max_version.is_some_and(|max| version > max) {
            return Err(refused(
                "was made for an earlier version of the article, which has changed since",
            ));
        }
        Ok(())
    }
}

fn refused(why: &str) -> ApiError {
    ApiError::Unauthorized(format!("preview token {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> PreviewKeys {
        PreviewKeys::derive(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_token_opens_its_article_until_it_expires_or_the_article_moves_on() {
        let now = Utc::now();
        let (token, expires_at) = keys().issue(4, now, 60, Some(2)).unwrap();
        assert_eq!(expires_at.timestamp(), now.timestamp() + 60);
        let opened = keys().open(&token).unwrap();
        assert!(opened.admits(4, 2).is_ok());
        assert!(opened.admits(5, 2).is_err(), "another article");
        assert!(opened.admits(4, 3).is_err(), "past max_version");
        let (old, _) = keys()
            .issue(4, now - chrono::Duration::hours(2), 3600, None)
            .unwrap();
        assert!(keys().open(&old).is_err(), "expired");
        let other = PreviewKeys::derive(b"another secret of at least 32 bytes!!");
        assert!(other.open(&token).is_err(), "another key");
        let mut tampered = token.clone();
        tampered.insert(tampered.len() / 2, 'x');
        assert!(keys().open(&tampered).is_err());
    }
}
