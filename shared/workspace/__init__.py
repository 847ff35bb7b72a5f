"""A brand's workspace as a whole: the "what needs you now" home, the header search, the messages inbox."""
