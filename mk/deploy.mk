# Deploying to AWS with SAM (see README, "Deploy"). Included by the top-level Makefile.
# aws-sam-cli lives in its own virtual environment: installed beside mkdocs it downgrades shared packages.
SAM_VERSION := 1.170.0
SAM_VENV ?= .sam-venv
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_VERSION)
SAM_BUILD_DIR ?= .aws-sam/build
# What `sam deploy` is given when not in samconfig.toml (for example STACK=send-forms-test make deploy).
STACK ?=
DEPLOY_FLAGS ?=
# The web ACL's own stack (waf.yaml): CloudFront takes web ACLs from us-east-1 only, whatever the main stack's
# region. ALARM_EMAIL is needed the first time (later deploys keep the stack's value).
WAF_STACK ?= send-mediation-waf
ALARM_EMAIL ?=
WAF_FLAGS ?=

.PHONY: sam-venv sam-build sam-validate deploy deploy-site deploy-waf

sam-venv: $(SAM_STAMP) ## Make .sam-venv/ with the pinned aws-sam-cli

$(SAM_STAMP):
	rm -rf $(SAM_VENV)
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_VERSION) 2>&1 | { grep -v "^WARNING: Location" || true; }
	@touch $@

sam-validate: $(SAM_STAMP) $(STAMP) ## Check template.yaml and waf.yaml: cfn-lint, then sam validate --lint
	$(BIN)/cfn-lint template.yaml waf.yaml
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --template template.yaml --region $${AWS_REGION:-eu-west-2}

sam-build: $(SAM_STAMP) ## Build the four functions into .aws-sam/build (no Docker needed)
	SAM_CLI_TELEMETRY=0 PATH="$(abspath $(SAM_VENV))/bin:$$PATH" $(SAM) build --template template.yaml --build-dir $(SAM_BUILD_DIR)

deploy: sam-validate sam-build ## Build and deploy the stack (first time: DEPLOY_FLAGS=--guided)
	SAM_CLI_TELEMETRY=0 $(SAM) deploy --template-file $(SAM_BUILD_DIR)/template.yaml $(if $(STACK),--stack-name $(STACK)) $(DEPLOY_FLAGS)

deploy-waf: $(STAMP) ## Deploy waf.yaml in us-east-1 (before the main stack), then print its WebAclArn
	$(BIN)/cfn-lint waf.yaml
	aws cloudformation deploy --region us-east-1 --template-file waf.yaml --stack-name $(WAF_STACK) \
	  --no-fail-on-empty-changeset $(if $(ALARM_EMAIL),--parameter-overrides AlarmEmail=$(ALARM_EMAIL)) $(WAF_FLAGS)
	@echo "Give this to the main stack as WebAclArn (sam deploy --guided, or parameter_overrides in samconfig.toml):"
	@aws cloudformation describe-stacks --region us-east-1 --stack-name $(WAF_STACK) \
	  --query "Stacks[0].Outputs[?OutputKey=='WebAclArn'].OutputValue" --output text

deploy-site: $(STAMP) ## Build the site with the stack's SiteUrl and ApiUrl and upload it (STACK=...)
	@test -n "$(STACK)" || { echo "Set STACK to the stack's name (sam deploy's stack_name)"; exit 1; }
	@out() { aws cloudformation describe-stacks --stack-name "$(STACK)" \
	    --query "Stacks[0].Outputs[?OutputKey=='$$1'].OutputValue" --output text; }; \
	bucket=$$(out SiteBucketName); distribution=$$(out DistributionId); \
	site=$$(out SiteUrl); api=$$(out ApiUrl); \
	echo "Building for SITE_URL=$$site API_URL=$$api"; \
	SITE_URL="$$site" API_URL="$$api" $(BIN)/mkdocs build --strict -d site && \
	aws s3 sync site/static/ "s3://$$bucket/static/" --only-show-errors && \
	aws s3 sync site/ "s3://$$bucket/" --delete --exclude "static/*" --only-show-errors && \
	aws cloudfront create-invalidation --distribution-id "$$distribution" --paths "/*" --query Invalidation.Id --output text
