//! Pagination and the other query parameters of the list routes.
//!
//! The first byte picks how the rest is read:
//! - below 0x80, as the raw values themselves, split on `\n`: `page`, `perPage`, `order`,
//!   each present when its bit (1, 2, 4) of the first byte is set
//!   (`Pagination::parse`, `Order::parse`);
//! - from 0x80, as the query string of `GET /api/session?…`, read as the routes read it
//!   (`ListQuery`: `pagination()`, `order()`, and `type` of the activity feed), plus
//!   `error` as the pages read it after a form post without JavaScript.
//!
//! Properties: a pagination read has `page >= 1` and `perPage` in 1..=100 (its offset
//! then fits); a refusal names `page` when the page is at fault, else `perPage`; an order
//! is `asc` unless `desc` was asked; a parsed code is the code given.
#![no_main]

use axum::extract::FromRequestParts;
use axum::http::{Request, Uri};
use libfuzzer_sys::fuzz_target;
use squid::domain::tracking::ActivityKind;
use squid::domain::{Error, Order, Pagination};
use squid::error::{ApiError, ErrorCode};
use squid::web::api::extract::ListQuery;
use std::future::Future;
use std::task::{Context, Poll, Waker};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if first < 0x80 {
        let mut parts = text.split('\n');
        let mut next = |bit: u8| parts.next().filter(|_| first & bit != 0);
        let (page, per_page, order) = (next(1), next(2), next(4));
        pagination(
            page,
            per_page,
            Pagination::parse(page, per_page).map_err(ApiError::from),
        );
        self::order(order, Order::parse(order).map_err(ApiError::from));
    } else {
        query(text);
    }
});

fn pagination(page: Option<&str>, per_page: Option<&str>, read: Result<Pagination, ApiError>) {
    let whole = |raw: &str| raw.parse::<u32>().ok();
    match read {
        Ok(p) => {
            assert!(p.page >= 1, "{p:?}");
            assert!(
                (1..=Pagination::MAX_PER_PAGE).contains(&p.per_page),
                "{p:?}"
            );
            assert_eq!(p.page, page.map_or(Some(1), whole).unwrap());
            assert_eq!(p.per_page, per_page.map_or(Some(20), whole).unwrap());
            assert_eq!(p.limit(), i64::from(p.per_page));
            assert_eq!(p.offset(), (i64::from(p.page) - 1) * p.limit());
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::ValidationFailed, "{e:?}");
            let page_ok = page.is_none_or(|raw| whole(raw).is_some_and(|n| n >= 1));
            let expected = if page_ok { "perPage" } else { "page" };
            assert_eq!(e.field.as_deref(), Some(expected), "{page:?} {per_page:?}");
        }
    }
}

fn order(raw: Option<&str>, read: Result<Order, ApiError>) {
    match (raw, read) {
        (Some("desc"), Ok(order)) => assert_eq!(order, Order::Desc),
        (None | Some("asc"), Ok(order)) => assert_eq!(order, Order::Asc),
        (Some(raw), Err(e)) => {
            assert!(raw != "asc" && raw != "desc");
            assert_eq!(
                (e.code, e.field.as_deref()),
                (ErrorCode::ValidationFailed, Some("order"))
            );
        }
        other => panic!("order {other:?}"),
    }
}

/// The query string as a list route reads it.
fn query(text: &str) {
    let Ok(uri) = format!("/api/session?{text}").parse::<Uri>() else {
        return;
    };
    let (mut parts, ()) = Request::builder().uri(uri).body(()).unwrap().into_parts();
    let future = std::pin::pin!(ListQuery::from_request_parts(&mut parts, &()));
    let Poll::Ready(read) = future.poll(&mut Context::from_waker(Waker::noop())) else {
        panic!("reading the query waited");
    };
    let q = match read {
        Ok(q) => q,
        Err(e) => {
            assert_eq!((e.code, e.field), (ErrorCode::BadRequest, None));
            return;
        }
    };
    pagination(q.get("page"), q.get("perPage"), q.pagination());
    order(q.get("order"), q.order());
    match (q.get("type"), ActivityKind::parse(q.get("type"))) {
        (None, Ok(None)) => {}
        (Some(raw), Ok(Some(kind))) => assert_eq!(kind.as_str(), raw),
        (Some(_), Err(Error::Validation { field, .. })) => {
            assert_eq!(field.as_deref(), Some("type"))
        }
        other => panic!("type {other:?}"),
    }
    if let Some(code) = q.get("error").and_then(ErrorCode::parse) {
        assert_eq!(Some(code.as_str()), q.get("error"));
    }
}
