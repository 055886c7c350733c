//! Test support for weft: see the integration tests beside this file.
