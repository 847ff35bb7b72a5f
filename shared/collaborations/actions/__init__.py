"""The collaborations actions, by topic (being split; see the next commits)."""

from shared.collaborations.actions.answers import *  # noqa: F403
