//! Unit tests of reading deploy hints from workflow files.
