//! Unit tests of every diff rule, each on two tiny documents.
