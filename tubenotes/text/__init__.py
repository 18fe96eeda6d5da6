"""Text helpers that both the generators and the vault use: Markdown pieces, labels, words and languages."""
