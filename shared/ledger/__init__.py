"""Double-entry ledger: accounts per brand and currency, append-only journals that balance."""
