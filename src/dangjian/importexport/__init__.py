"""Excel in and out: a generic engine (read, header detection, streamed writing) and import/export
workflows; each domain provides its column spec (the roster's: `dangjian.member.excel`)."""
