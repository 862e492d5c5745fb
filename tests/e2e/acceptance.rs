//! Every case under `fixtures/acceptance/`: the proposed statements must
//! allow what the case requires and nothing it forbids, with the causes it
//! names.
