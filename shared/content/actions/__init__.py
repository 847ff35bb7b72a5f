"""The content actions, by topic (being split; see the next commits)."""

from shared.content.actions.uploads import *  # noqa: F403
