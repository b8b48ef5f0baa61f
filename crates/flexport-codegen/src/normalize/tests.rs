//! Unit tests of the normalization passes, each on a small document that shows its construct.
