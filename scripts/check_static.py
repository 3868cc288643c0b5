#!/usr/bin/env python3
"""Static checks of the deployment definition, run by scripts/test.sh.

1. template.yaml after the SAM transform (aws-sam-translator, offline)
   passes cfn-lint: plain cfn-lint on the SAM template misses broken
   references inside SAM resources.
2. Every ASL file, with its substitutions filled in, passes asl-validator.
3. Every ${...} in the ASL has a DefinitionSubstitution, every substitution
   is used, every substituted function exists in the template, and every
   function of the template is used (by the state machine or by an event).
4. Every error name the ASL matches is a documented one (docs/errors.md)
   or a Step Functions / Lambda service name.
5. Every crate under functions/ has its template function and a sample
   event under infra/events/, and the other way round.
6. Each function's IAM policies grant exactly the resources of the ports
   it builds (its set in shared/lambda/src/needs.rs, which the test suite
   proves sufficient): one missing is an AccessDenied in production, one
   extra is privilege nobody uses.

Usage: check_static.py REPO_DIR ASL_VALIDATOR_BIN
"""

import copy
import json
import os
import re
import subprocess
import sys
import tempfile

import boto3
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

SERVICE_ERRORS = {
    "States.ALL",
    "States.Timeout",
    "States.HeartbeatTimeout",
    "States.TaskFailed",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}

failures = []


def fail(msg):
    failures.append(msg)
    print(f"FAIL: {msg}")


class FakePolicyLoader:
    """Managed policies the transform may name, without calling IAM."""

    def load(self):
        names = ["AWSXrayWriteOnlyAccess", "AWSLambdaBasicExecutionRole",
                 "AWSLambdaSQSQueueExecutionRole", "AWSXRayDaemonWriteAccess"]
        return {n: f"arn:aws:iam::aws:policy/{n}" for n in names}


def documented_error_names(repo):
    src = open(os.path.join(repo, "shared/pipeline/src/error.rs")).read()
    names = set(re.findall(r'pub const [A-Z_]+: &str = "((?:Retryable|Permanent)\.[A-Za-z]+)";', src))
    docs = open(os.path.join(repo, "docs/errors.md")).read()
    for n in names:
        if n not in docs:
            fail(f"error name {n} is not listed in docs/errors.md")
    return names


# What each port of shared/lambda/src/needs.rs reaches in AWS (the offline
# providers reach nothing; the outbox distributor writes to the bucket).
PORT_RESOURCES = {
    "ARTISTS": {"ArtistsTable"},
    "RUNS": {"RunsTable"},
    "RELEASES": {"ReleasesTable"},
    "TRENDS": {"TrendsTable"},
    "ASSETS": {"AssetsBucket"},
    "QUEUE": {"ReleaseQueue"},
    "WORKFLOW": {"states:SendTask*"},
    "APPROVAL": {"ssm:GetParameter"},
    "WEBHOOK": {"ssm:GetParameter"},
    "DISTRIBUTORS": {"AssetsBucket"},
}


def port_sets(repo):
    """Function name constant -> its ports, from shared/lambda/src/needs.rs."""
    src = open(os.path.join(repo, "shared/lambda/src/needs.rs")).read()
    ports = set(re.findall(r"pub const ([A-Z_]+): u32 = 1 << \d+;", src))
    sets = {}
    for name, expr in re.findall(r"pub const ([A-Z_]+): u32 = ([A-Z_ |\n]+);", src):
        members = [m.strip() for m in expr.split("|")]
        if name in ports or not all(m in ports for m in members):
            continue
        sets[name] = members
    return sets


def granted_resources(policies):
    """The tables, bucket and queue a function's SAM policies name (by
    logical id), and the Step Functions / SSM actions its statements allow."""
    granted = set()
    for policy in policies:
        if not isinstance(policy, dict):
            continue
        for kind, body in policy.items():
            if kind == "Statement":
                for st in body:
                    actions = st.get("Action", [])
                    actions = [actions] if isinstance(actions, str) else actions
                    for a in actions:
                        if a.startswith("states:SendTask"):
                            granted.add("states:SendTask*")
                        elif a.startswith("ssm:"):
                            granted.add("ssm:GetParameter")
                        else:
                            granted.add(a)
                continue
            for value in (body or {}).values():
                if isinstance(value, dict) and "Ref" in value:
                    granted.add(value["Ref"])
                elif isinstance(value, dict) and "Fn::GetAtt" in value:
                    target = value["Fn::GetAtt"]
                    granted.add(target[0] if isinstance(target, list) else target.split(".")[0])
    return granted


def sam_transform(template):
    t = copy.deepcopy(template)
    # `sam package` replaces local paths with S3 locations; do the same with
    # placeholders so the transform can run offline.
    for name, res in t.get("Resources", {}).items():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = f"s3://noktvrn-artifacts/{name}.zip"
        if res.get("Type") == "AWS::Serverless::StateMachine" and isinstance(props.get("DefinitionUri"), str):
            props["DefinitionUri"] = f"s3://noktvrn-artifacts/{name}.asl.json"
    params = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    session = boto3.session.Session(region_name="us-east-1")
    translator = Translator(FakePolicyLoader().load(), Parser(), boto_session=session)
    return translator.translate(sam_template=t, parameter_values=params)


def main():
    repo, asl_validator = sys.argv[1], sys.argv[2]
    raw = open(os.path.join(repo, "template.yaml")).read()
    template = yaml_parse(raw)
    resources = template["Resources"]

    # 1. transform + cfn-lint
    try:
        out = sam_transform(template)
    except InvalidDocumentException as e:
        for cause in e.causes:
            fail(f"SAM transform: {cause.message}")
        out = None
    if out is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(out, f, indent=1, default=str)
            transformed = f.name
        for path in [os.path.join(repo, "template.yaml"), transformed]:
            r = subprocess.run(["cfn-lint", "--", path], capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"cfn-lint {os.path.basename(path)}:\n{r.stdout}{r.stderr}")
        os.unlink(transformed)
        print(f"transformed template: {len(out['Resources'])} resources")

    # 2-4. state machines
    functions = {n: r for n, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    used = set()
    documented = documented_error_names(repo)
    for name, res in resources.items():
        if res["Type"] != "AWS::Serverless::StateMachine":
            continue
        props = res["Properties"]
        asl_path = os.path.join(repo, props["DefinitionUri"])
        asl = open(asl_path).read()
        subs = props.get("DefinitionSubstitutions", {})
        placeholders = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", asl))
        for p in sorted(placeholders - set(subs)):
            fail(f"{props['DefinitionUri']}: ${{{p}}} has no DefinitionSubstitution in {name}")
        for p in sorted(set(subs) - placeholders):
            fail(f"{name}: substitution {p} is not used in {props['DefinitionUri']}")
        sample = {}
        for key, value in subs.items():
            if isinstance(value, dict) and "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"]
                target = target[0] if isinstance(target, list) else target.split(".")[0]
                if target not in functions:
                    fail(f"{name}: substitution {key} names {target}, which is not a function")
                used.add(target)
                sample[key] = f"arn:aws:lambda:us-east-1:123456789012:function:{target}"
            elif isinstance(value, dict) and "Ref" in value:
                param = template.get("Parameters", {}).get(value["Ref"])
                if param is None:
                    fail(f"{name}: substitution {key} refers to unknown parameter {value['Ref']}")
                    continue
                sample[key] = str(param.get("Default", 1))
            else:
                sample[key] = str(value)
        filled = re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda m: sample.get(m.group(1), m.group(0)), asl)
        try:
            definition = json.loads(filled)
        except json.JSONDecodeError as e:
            fail(f"{props['DefinitionUri']} is not valid JSON once substituted: {e}")
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(definition, f)
            filled_path = f.name
        r = subprocess.run([asl_validator, "--json-path", filled_path], capture_output=True, text=True)
        os.unlink(filled_path)
        if r.returncode != 0:
            fail(f"asl-validator {props['DefinitionUri']}:\n{r.stdout}{r.stderr}")
        else:
            print(f"asl-validator: {props['DefinitionUri']} ok")
        for errs in re.findall(r'"ErrorEquals":\s*\[([^\]]*)\]', filled):
            for e in re.findall(r'"([^"]+)"', errs):
                if e not in documented and e not in SERVICE_ERRORS:
                    fail(f"{props['DefinitionUri']} matches undocumented error name {e}")
        for e in re.findall(r'"Error":\s*"([^"]+)"', filled):
            if e not in documented:
                fail(f"{props['DefinitionUri']} raises undocumented error name {e}")

    for fname, res in functions.items():
        if res["Properties"].get("Events"):
            used.add(fname)
    for fname in sorted(set(functions) - used):
        fail(f"function {fname} is neither in a state machine nor triggered by an event")

    # 5. crates, template functions, sample events
    crates = sorted(d for d in os.listdir(os.path.join(repo, "functions"))
                    if os.path.isfile(os.path.join(repo, "functions", d, "Cargo.toml")))
    code_uris = {}
    for fname, res in functions.items():
        uri = res["Properties"].get("CodeUri", "")
        crate = os.path.basename(uri.rstrip("/"))
        code_uris[crate] = fname
        binary = res.get("Metadata", {}).get("BuildProperties", {}).get("Binary")
        if binary != crate:
            fail(f"{fname}: BuildProperties.Binary {binary!r} is not its crate {crate!r}")
        if res.get("Metadata", {}).get("BuildMethod") != "rust-cargolambda":
            fail(f"{fname}: BuildMethod is not rust-cargolambda")
    for c in crates:
        if c not in code_uris:
            fail(f"functions/{c} has no function in template.yaml")
        if not os.path.isfile(os.path.join(repo, "infra/events", f"{c}.json")):
            fail(f"functions/{c} has no sample event infra/events/{c}.json")
    for c in code_uris:
        if c not in crates:
            fail(f"template function for {c} has no crate under functions/")

    # 6. policies match the ports each function builds
    sets = port_sets(repo)
    for fname, res in functions.items():
        crate = os.path.basename(res["Properties"].get("CodeUri", "").rstrip("/"))
        const = crate.replace("-", "_").upper()
        if const not in sets:
            fail(f"{fname}: no port set {const} in shared/lambda/src/needs.rs")
            continue
        needed = set()
        for port in sets[const]:
            needed |= PORT_RESOURCES.get(port, set())
        granted = granted_resources(res["Properties"].get("Policies", []))
        for r in sorted(needed - granted):
            fail(f"{fname}: its ports need {r}, which its policies do not grant")
        for r in sorted(granted - needed):
            fail(f"{fname}: its policies grant {r}, which none of its ports uses")

    if failures:
        print(f"\n{len(failures)} static check(s) failed")
        sys.exit(1)
    print(f"static checks passed: {len(functions)} functions, {len(crates)} crates")


if __name__ == "__main__":
    main()
