# Content checks for editors' changes (tools/content_check). See CONTRIBUTING.md.
.PHONY: check-content check-links readability

check-content: $(STAMP) ## Run every content check: build and links, spelling, front matter, headings, alt text, facts, readability
	$(BIN)/python -m tools.content_check

check-links: $(STAMP) ## Check links to other websites (on request only: other sites can be down)
	$(BIN)/python -m tools.content_check --external-links

readability: $(STAMP) ## Show each page's reading grade and its limit
	$(BIN)/python -m tools.content_check --scores
