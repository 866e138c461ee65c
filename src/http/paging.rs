//! Atlas's paginated lists (https://www.mongodb.com/docs/atlas/api/atlas-admin-api-ref/, "Pagination"):
//! `itemsPerPage` (1–500, default 100), `pageNum` (from 1) and `includeCount` (default true) in; `links`
//! (`self`, and `previous`/`next` around it), `results` and `totalCount` out (recorded: iam/atlasorgs/
//! TestAtlasOrgs/List_Org_Users).

use axum::http::HeaderMap;
use axum::http::header::HOST;
use serde_json::{Value, json};

use super::error::ApiError;

const DEFAULT_ITEMS_PER_PAGE: usize = 100;
const MAX_ITEMS_PER_PAGE: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub items_per_page: usize,
    pub page_num: usize,
    pub include_count: bool,
    /// Whether the list takes `includeCount` (and so writes it into its links).
    count_parameter: bool,
}

impl Page {
    /// The first page of a list that takes no paging parameters, as the answers of addGroupTeams and
    /// addTeamUsers are (recorded self links: `?pageNum=1&itemsPerPage=100`).
    pub const FIRST: Page =
        Page { items_per_page: DEFAULT_ITEMS_PER_PAGE, page_num: 1, include_count: true, count_parameter: false };

    pub fn from_query(pairs: &[(String, String)]) -> Result<Page, ApiError> {
        let mut page = Page { count_parameter: true, ..Page::FIRST };
        for (name, value) in pairs {
            match name.as_str() {
                "itemsPerPage" => page.items_per_page = number(name, value, |n| (1..=MAX_ITEMS_PER_PAGE).contains(&n))?,
                "pageNum" => page.page_num = number(name, value, |n| n >= 1)?,
                "includeCount" => page.include_count = flag(name, value)?,
                _ => {}
            }
        }
        Ok(page)
    }

    /// A list with `itemsPerPage` and `pageNum` but no `includeCount`, which always counts (listTeamUsers).
    pub fn counted_from_query(pairs: &[(String, String)]) -> Result<Page, ApiError> {
        let page =
            Page::from_query(&pairs.iter().filter(|(name, _)| name != "includeCount").cloned().collect::<Vec<_>>())?;
        Ok(Page { count_parameter: false, ..page })
    }

    /// One page of `items`, with its links. `path` is the list's own; `flags` are the list's other query
    /// parameters. Atlas writes link parameters in alphabetical order, except that the `self` link puts
    /// `itemsPerPage` last (recorded: self `flattenTeams=false&includeCount=true&includeOrgUsers=false&pageNum=1&
    /// itemsPerPage=100`, next `includeCount=true&itemsPerPage=1&pageNum=2` — iam/atlasteamusers/
    /// TestAtlasTeamUsers/GET_api_atlas_v2_orgs_a0123456789abcdef012345a_users_1).
    pub fn of(self, items: Vec<Value>, base_url: &str, path: &str, flags: &[(&str, String)]) -> Value {
        let total = items.len();
        let results: Vec<Value> = items.into_iter().skip(self.offset()).take(self.items_per_page).collect();
        self.of_window(results, total, base_url, path, flags)
    }

    /// Where this page starts in the whole list.
    pub fn offset(self) -> usize {
        (self.page_num - 1).saturating_mul(self.items_per_page)
    }

    /// This page's `results`, already cut from a list of `total` items (by the store, for long lists).
    pub fn of_window(
        self,
        results: Vec<Value>,
        total: usize,
        base_url: &str,
        path: &str,
        flags: &[(&str, String)],
    ) -> Value {
        let start = self.offset();
        let href = |page_num: usize| {
            let mut query: Vec<(&str, String)> = flags.to_vec();
            if self.count_parameter {
                query.push(("includeCount", self.include_count.to_string()));
            }
            query.push(("pageNum", page_num.to_string()));
            let items_per_page = ("itemsPerPage", self.items_per_page.to_string());
            if page_num != self.page_num {
                query.push(items_per_page.clone());
            }
            query.sort();
            if page_num == self.page_num {
                query.push(items_per_page);
            }
            let query: Vec<String> = query
                .iter()
                .map(|(name, value)| {
                    format!("{name}={}", form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>())
                })
                .collect();
            format!("{base_url}{path}?{}", query.join("&"))
        };
        let mut links = Vec::new();
        if self.page_num > 1 {
            links.push(json!({ "href": href(self.page_num - 1), "rel": "previous" }));
        }
        links.push(json!({ "href": href(self.page_num), "rel": "self" }));
        if start.saturating_add(self.items_per_page) < total {
            links.push(json!({ "href": href(self.page_num + 1), "rel": "next" }));
        }
        let mut body = json!({ "links": links, "results": results });
        if self.include_count {
            body.as_object_mut().expect("an object").insert("totalCount".into(), json!(total));
        }
        body
    }
}

/// Where this server is, as the client reached it: links are absolute, as Atlas writes them.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

/// A `true`/`false` query flag.
pub fn flag(name: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::invalid_query_parameter(name)),
    }
}

/// A whole number in range, else INVALID_QUERY_PARAMETER.
fn number(name: &str, value: &str, in_range: impl Fn(usize) -> bool) -> Result<usize, ApiError> {
    value.parse::<usize>().ok().filter(|n| in_range(*n)).ok_or_else(|| ApiError::invalid_query_parameter(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        super::super::wire::form_pairs(Some(query))
    }

    #[test]
    fn pages_carry_links_and_a_count() {
        let page = Page::from_query(&pairs("itemsPerPage=2&pageNum=2")).unwrap();
        let items: Vec<Value> = (0..5).map(|n| json!(n)).collect();
        let body = page.of(items, "http://h", "/l", &[]);
        assert_eq!(body["results"], json!([2, 3]));
        assert_eq!(body["totalCount"], json!(5));
        let rels: Vec<&str> = body["links"].as_array().unwrap().iter().map(|l| l["rel"].as_str().unwrap()).collect();
        assert_eq!(rels, ["previous", "self", "next"]);
        assert_eq!(body["links"][1]["href"], json!("http://h/l?includeCount=true&pageNum=2&itemsPerPage=2"));
        assert_eq!(body["links"][2]["href"], json!("http://h/l?includeCount=true&itemsPerPage=2&pageNum=3"));
        let counted = Page::counted_from_query(&pairs("includeCount=false")).unwrap().of(vec![], "http://h", "/l", &[]);
        assert_eq!(counted["links"][0]["href"], json!("http://h/l?pageNum=1&itemsPerPage=100"));
        assert_eq!(counted["totalCount"], json!(0), "a list without includeCount always counts");
    }

    #[test]
    fn paging_parameters_are_checked() {
        for bad in ["itemsPerPage=0", "itemsPerPage=501", "pageNum=0", "pageNum=x", "includeCount=yes"] {
            assert_eq!(Page::from_query(&pairs(bad)).err().unwrap().error_code, "INVALID_QUERY_PARAMETER", "{bad}");
        }
        let without_count = Page::from_query(&pairs("includeCount=false")).unwrap();
        assert!(without_count.of(vec![], "", "/l", &[]).get("totalCount").is_none());
    }
}
