//! Integration tests: the real router, the real session store and a real SQLite file in a
//! temporary directory. Nothing is mocked.
//!
//! One test binary (with modules) rather than one per file: linking is the slow part.

mod harness;

mod accounts;
mod api_conventions;
mod audit;
mod devices;
mod pages;
mod preferences;
mod privacy;
mod sessions;
mod tracking;
