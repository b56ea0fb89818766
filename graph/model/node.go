package model

// Node is any object with a global id. Domain types are bound directly and know nothing of GraphQL, so the
// interface asks nothing of them; node(id:) decides what it returns.
type Node interface{}
