"""Migration history only: the background-work models once lived in this app. They moved to the
apps whose work they record (core, collection, scoring, analysis) and kept their tables; the
app stays installed so existing databases and fresh ones share one migration history."""
