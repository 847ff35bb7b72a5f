"""The identity actions, by topic (being split; see the next commits)."""

from shared.identity.actions.team import *  # noqa: F403
