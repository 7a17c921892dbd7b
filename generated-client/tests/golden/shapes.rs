//! Runtime behaviour of the shapes of the golden matrix, over real HTTP on loopback.
