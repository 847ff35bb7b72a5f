"""Usage rights: structured rights in an offer's terms, the append-only ledger of grants per asset, the library."""
