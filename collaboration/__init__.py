"""Team work on the evidence: comments with @mentions and memos. The top layer: it reads interviews and personas."""
