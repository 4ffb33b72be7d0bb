//! Types that cross the wire: the JSON bodies of the API, the inputs of its routes and of
//! the pages' server functions, and the values server functions return to the browser.
//! They compile for both the server and the browser (`hydrate`), so they hold plain data
//! only: no database handles, no HTTP types. They import nothing else of the crate.

mod account;
mod admin;
mod analytics;
mod dashboard;
mod data;
mod input;
mod pages;
mod prefs;
mod privacy;
mod session;

pub use account::*;
pub use admin::*;
pub use analytics::*;
pub use dashboard::*;
pub use data::*;
pub use input::*;
pub use pages::*;
pub use prefs::*;
pub use privacy::*;
pub use session::*;
