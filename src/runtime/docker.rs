//! The Docker backend (bollard). STUB: being written.
