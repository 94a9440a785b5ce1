"""What a round and its applications may do: one module per concept (rounds, eligibility, drafts, documents,
submission, screening, exports), plain async functions with keyword arguments."""
