//! The newsroom's website, as bantin names it in what it publishes: the page of an article
//! (`BANTIN_SITE_ARTICLE_URL`), the site's name (`BANTIN_SITE_NAME`) and its language
//! (`BANTIN_SITE_LANGUAGE`). Every link to an article that bantin writes for readers (the
//! article's `url`, feeds, sitemaps, JSON-LD) comes from [`Site::article_url`].

/// The most characters of a setting of the site.
const MAX_SETTING: usize = 500;

/// A page address with `{slug}` and/or `{id}` in it, checked at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleUrlTemplate(String);

impl ArticleUrlTemplate {
    /// An absolute http(s) URL with a host, holding `{slug}`, `{id}` or both and no other `{…}`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.len() > MAX_SETTING {
            return Err(format!("must be at most {MAX_SETTING} characters"));
        }
        if !raw.contains("{slug}") && !raw.contains("{id}") {
            return Err(format!(
                "`{raw}` must hold `{{slug}}` or `{{id}}`, e.g. https://tinhuy.example.vn/tin-tuc/{{slug}}"
            ));
        }
        let bare = raw.replace("{slug}", "slug").replace("{id}", "1");
        if bare.contains('{') || bare.contains('}') {
            return Err(format!(
                "`{raw}` holds a placeholder other than `{{slug}}` and `{{id}}`"
            ));
        }
        let url =
            url::Url::parse(&bare).map_err(|e| format!("`{raw}` is not an absolute URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(format!("`{raw}` must be an http or https URL with a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("`{raw}` must hold no user name or password"));
        }
        Ok(Self(raw.to_owned()))
    }

    fn fill(&self, id: i64, slug: &str) -> String {
        self.0
            .replace("{id}", &id.to_string())
            .replace("{slug}", slug)
    }
}

/// The site's name or language: trimmed, at most 500 characters, no control characters.
pub fn parse_label(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.chars().count() > MAX_SETTING {
        return Err(format!("must be at most {MAX_SETTING} characters"));
    }
    if raw.chars().any(char::is_control) {
        return Err("must hold no control characters".into());
    }
    Ok(raw.to_owned())
}

/// A BCP 47 language tag such as `vi` or `en-US`.
pub fn parse_language(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let ok = !raw.is_empty()
        && raw.len() <= 35
        && raw.split('-').all(|part| {
            (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
        && raw
            .split('-')
            .next()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_alphabetic()));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(format!(
            "`{raw}` is not a language tag such as `vi` or `en-US`"
        ))
    }
}

/// How bantin names the newsroom's site.
#[derive(Debug, Clone)]
pub struct Site {
    /// The page of an article on the site; `None` links to the API's own article.
    pub article_url: Option<ArticleUrlTemplate>,
    /// The base of the API's own URLs (`BANTIN_PUBLIC_URL`, else the bind address).
    pub api_base: String,
    /// The publisher's name.
    pub name: String,
    /// The language of the articles, as a BCP 47 tag.
    pub language: String,
    /// Whether an article's JSON-LD carries its body (`BANTIN_JSONLD_BODY`).
    pub jsonld_body: bool,
}

/// The site's name when `BANTIN_SITE_NAME` is unset.
pub const DEFAULT_NAME: &str = "bantin";
/// The articles' language when `BANTIN_SITE_LANGUAGE` is unset.
pub const DEFAULT_LANGUAGE: &str = "vi";

impl Default for Site {
    /// No site page and no API base: links are relative to the API.
    fn default() -> Self {
        Self {
            article_url: None,
            api_base: String::new(),
            name: DEFAULT_NAME.to_owned(),
            language: DEFAULT_LANGUAGE.to_owned(),
            jsonld_body: false,
        }
    }
}

impl Site {
    /// Where readers read article `id` (with its `slug`): the site's page, else the API's
    /// article.
    pub fn article_url(&self, id: i64, slug: &str) -> String {
        match &self.article_url {
            Some(template) => template.fill(id, slug),
            None => format!("{}/api/v1/articles/{slug}", self.api_base),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_need_a_placeholder_and_an_absolute_web_url() {
        let t = ArticleUrlTemplate::parse("https://tinhuy.example.vn/tin-tuc/{slug}-{id}").unwrap();
        assert_eq!(t.fill(7, "a-b"), "https://tinhuy.example.vn/tin-tuc/a-b-7");
        for bad in [
            "https://tinhuy.example.vn/tin-tuc/",
            "/tin-tuc/{slug}",
            "ftp://tinhuy.example.vn/{slug}",
            "https://tinhuy.example.vn/{title}/{slug}",
            "https://user:pw@tinhuy.example.vn/{slug}",
        ] {
            assert!(ArticleUrlTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn languages_are_tags() {
        assert_eq!(parse_language("vi").unwrap(), "vi");
        assert_eq!(parse_language("en-US").unwrap(), "en-US");
        for bad in ["", "vi_VN", "tiếng việt", "123"] {
            assert!(parse_language(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn without_a_template_links_go_to_the_api() {
        let site = Site {
            article_url: None,
            api_base: "https://api.example.vn".into(),
            name: DEFAULT_NAME.into(),
            language: DEFAULT_LANGUAGE.into(),
            jsonld_body: false,
        };
        assert_eq!(
            site.article_url(3, "tin-moi"),
            "https://api.example.vn/api/v1/articles/tin-moi"
        );
    }
}
