//! Opt-in refresh of the catalog from AWS's programmatic service reference.
