//! Integration tests: the real router, the real session store and a real database (a
//! SQLite file in a temporary directory, or a PostgreSQL database of its own: see
//! `backend`). Nothing is mocked. Time moves by the server's own clock
//! (`TestApp::advance`), never by sleeping.
//!
//! One test binary (with modules) rather than one per file: linking is the slow part.

mod backend;
mod harness;

mod analytics;
mod api_conventions;
mod audit;
mod balancer;
mod connections;
mod consent;
mod counters;
mod demo;
mod devices;
mod erasure;
mod events;
mod export;
mod hardening;
mod insights;
mod insights_index;
mod instances;
mod outages;
mod oversight;
mod pages;
mod password;
mod preferences;
mod redis_sessions;
mod retention;
mod roles;
mod session_data;
mod sessions;
mod sign_in;
mod siwe;
mod throttle;
mod tokens;
mod tracking;
mod upgrade;
mod use_cases;
