.PHONY: bench
bench: $(STAMP) ## Measure page weight, Lighthouse, cold start, request time and build time against budgets
	$(BIN)/python bench/run.py
