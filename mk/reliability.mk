# Reliability, security and privacy, with figures (tests/reliability). The quick form also runs in `make test`.
.PHONY: test-reliability test-reliability-heavy purge-local
HEAVY ?=

test-reliability: $(STAMP) ## Fuzzing, faults, duplicates, load, hostile inputs, privacy; prints a table (HEAVY=1: the long form)
	RELIABILITY_HEAVY=$(if $(HEAVY),1,0) $(BIN)/python -m pytest tests/reliability tests/integration/test_sweep_scale.py \
	  -q -p no:cacheprovider

test-reliability-heavy: ## The long form of test-reliability (more examples, 1,000-submission load test)
	$(MAKE) test-reliability HEAVY=1

purge-local: $(STAMP) ## Delete local submissions, emails and uploads older than LOCAL_RETENTION_DAYS (30)
	$(BIN)/python -m functions.forms purge-local
