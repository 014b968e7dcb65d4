def seed_interviews(org) -> None:
    """Sample transcripts for the demo organisation (added with the ingest flow)."""
