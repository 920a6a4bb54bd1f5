# The team's command (functions/team.py; README, "For the team"). Included by the top-level Makefile.
.PHONY: team team-digest
ARGS ?=

team: $(STAMP) ## The team's command, locally or on AWS: make team ARGS="list --status held" (ARGS=--help: every verb)
	$(BIN)/python -m functions.team $(ARGS)

team-digest: $(STAMP) ## Email the team's daily summary (locally to var/outbox/), as the schedule does on AWS
	$(BIN)/python -m functions.team digest $(ARGS)
