"""--state-dir end to end, with boto3 and real containers: local-ecs is started with a state dir
(its own port, owner and directory), resources of every service are created, the server is
killed with SIGKILL and started again on the same directory. What was answered is still there;
RUNNING tasks keep their ARNs and container ids and their service starts no duplicate; a task
whose container died while local-ecs was down is STOPPED with the engine's exit code; a
container of ours that no task claims is removed. A graceful stop leaves the task containers
running; with --stop-tasks-on-exit it leaves nothing. A second server on the same directory is
refused with a message saying so.

The services' own checks live in tests/py/persist_*.py (`create(client)` before the kill,
`check(client, created)` after it)."""

import glob
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("LOCAL_ECS_BIN", os.path.join(ROOT, "target", "debug", "local-ecs"))
IMAGE = "local-ecs-test:latest"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


PORT = free_port()
URL = f"http://127.0.0.1:{PORT}"
OWNER = f"smoke-persist-{os.getpid()}"
STATE = tempfile.mkdtemp(prefix="local-ecs-state-")
LOG = open(os.path.join(STATE, "..", f"local-ecs-persist-{os.getpid()}.log"), "ab")
os.environ["AWS_ENDPOINT_URL"] = URL

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from smoke_support import RUN, CheckFailed, expect, expect_eq, run_checks  # noqa: E402

SERVER = None


def start(*extra):
    global SERVER
    SERVER = subprocess.Popen([BIN, "--host", "127.0.0.1", "--port", str(PORT), "--runtime", "docker",
                               "--owner", OWNER, "--state-dir", STATE, *extra],
                              stdout=LOG, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{URL}/_local-ecs/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise CheckFailed("local-ecs did not answer its health check after a start with --state-dir")


def kill9():
    SERVER.send_signal(signal.SIGKILL)
    SERVER.wait(timeout=10)


def graceful():
    SERVER.send_signal(signal.SIGTERM)
    SERVER.wait(timeout=60)


def client(name):
    return boto3.client(name, endpoint_url=URL, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 1}))


def ours(*filters):
    args = ["docker", "ps", "-a", "--filter", f"label=local-ecs.owner={OWNER}", "--format", "{{.ID}}"]
    for f in filters:
        args += ["--filter", f]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return out.split()


def running_container_ids():
    """Our running containers of this suite's cluster (other parts' services may be launching)."""
    out = subprocess.run(["docker", "ps", "--filter", f"label=local-ecs.owner={OWNER}", "--format",
                          '{{.Label "local-ecs.task-arn"}} {{.ID}}'], capture_output=True, text=True,
                         check=True).stdout
    return {cid for arn, cid in (line.split() for line in out.splitlines()) if f"/{CLUSTER}/" in arn}


# The services' create/check pairs (tests/py/persist_*.py).
PARTS = []
for path in sorted(glob.glob(os.path.join(ROOT, "tests", "py", "persist_*.py"))):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    PARTS.append(module)

CLUSTER = f"persist-{RUN}"
S = {}


def tasks_of(ecs, **kw):
    arns = ecs.list_tasks(cluster=CLUSTER, **kw)["taskArns"]
    return ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []


def wait_running(ecs, count, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ts = tasks_of(ecs)
        if len(ts) == count and all(t["lastStatus"] == "RUNNING" for t in ts):
            return ts
        time.sleep(0.3)
    raise CheckFailed(f"{count} tasks did not reach RUNNING: {[(t['taskArn'], t['lastStatus']) for t in tasks_of(ecs)]}")


def snapshot(ts):
    return sorted((t["taskArn"], tuple(c.get("runtimeId") for c in t["containers"])) for t in ts)


def setup():
    start()
    ecs, ec2 = client("ecs"), client("ec2")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    net = {"awsvpcConfiguration": {"subnets": [subnet]}}
    ecs.create_cluster(clusterName=CLUSTER, tags=[{"key": "run", "value": RUN}])
    for i in range(3):
        ecs.register_task_definition(
            family=f"sleepy-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512",
            containerDefinitions=[{"name": "main", "image": IMAGE, "command": ["sleep", "3600"],
                                   "essential": True, "environment": [{"name": "N", "value": str(i)}]}])
    ecs.deregister_task_definition(taskDefinition=f"sleepy-{RUN}:2")
    S["standalone"] = ecs.run_task(cluster=CLUSTER, taskDefinition=f"sleepy-{RUN}", launchType="FARGATE",
                                   networkConfiguration=net, startedBy="persist-smoke")["tasks"][0]["taskArn"]
    ecs.create_service(cluster=CLUSTER, serviceName="web", taskDefinition=f"sleepy-{RUN}:3",
                       desiredCount=2, launchType="FARGATE", networkConfiguration=net)
    S["before"] = snapshot(wait_running(ecs, 3))
    S["parts"] = [(p, p.create(client)) for p in PARTS]
    # The last answered write before the kill: it must be there after it.
    ecs.tag_resource(resourceArn=ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0]["clusterArn"],
                     tags=[{"key": "last", "value": "write"}])
    kill9()
    start()


def check_answered_writes_survive_kill_9():
    ecs = client("ecs")
    c = ecs.describe_clusters(clusters=[CLUSTER], include=["TAGS"])["clusters"][0]
    expect_eq(c["status"], "ACTIVE", "cluster status")
    expect_eq(sorted((t["key"], t["value"]) for t in c["tags"]), [("last", "write"), ("run", RUN)], "cluster tags")
    revs = ecs.list_task_definitions(familyPrefix=f"sleepy-{RUN}")["taskDefinitionArns"]
    expect_eq([r.rsplit(":", 1)[1] for r in revs], ["1", "3"], "active revisions (2 was deregistered)")
    td = ecs.describe_task_definition(taskDefinition=f"sleepy-{RUN}:3")["taskDefinition"]
    expect_eq(td["containerDefinitions"][0]["environment"], [{"name": "N", "value": "2"}], "revision 3's environment")
    # Revisions are never reused, even across a restart.
    new = ecs.register_task_definition(family=f"sleepy-{RUN}", containerDefinitions=[
        {"name": "main", "image": IMAGE, "memory": 64}])["taskDefinition"]
    expect_eq(new["revision"], 4, "the next revision after a restart")


def check_running_tasks_are_re_adopted_with_the_same_arns_and_containers():
    ecs = client("ecs")
    time.sleep(2)  # a scheduler pass or two: a duplicate would show now
    ts = tasks_of(ecs)
    expect_eq(snapshot(ts), S["before"], "tasks (ARN, container ids) after the restart")
    expect(all(t["lastStatus"] == "RUNNING" for t in ts), "all RUNNING", [t["lastStatus"] for t in ts])
    svc = ecs.describe_services(cluster=CLUSTER, services=["web"])["services"][0]
    expect_eq((svc["desiredCount"], svc["runningCount"]), (2, 2), "service counts")
    ids = {i for _, c in S["before"] for i in c}
    expect(ids <= {full for full in running_ids_full()}, "the same containers still run", ids)


def running_ids_full():
    out = subprocess.run(["docker", "ps", "--no-trunc", "--filter", f"label=local-ecs.owner={OWNER}",
                          "--format", "{{.ID}}"], capture_output=True, text=True, check=True).stdout
    return out.split()


def check_services_state_survives_kill_9():
    failures = []
    for part, created in S["parts"]:
        try:
            part.check(client, created)
        except AssertionError as e:
            failures.append(f"{part.__name__}: {e}")
    expect(not failures, "; ".join(failures))


def check_a_container_that_died_while_down_stops_its_task_and_strays_are_removed():
    ecs = client("ecs")
    graceful()
    expect_eq(len(running_container_ids()), 6, "task containers and sandboxes left running by a graceful stop")
    victim = service_containers()[0]
    subprocess.run(["docker", "kill", victim[1]], check=True, capture_output=True)
    stray = subprocess.run(["docker", "run", "-d", "--label", f"local-ecs.owner={OWNER}", IMAGE, "sleep", "300"],
                           check=True, capture_output=True, text=True).stdout.strip()
    start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stopped = [t for t in tasks_of(ecs, desiredStatus="STOPPED") if t["taskArn"] == victim[0]]
        if stopped and stopped[0]["lastStatus"] == "STOPPED":
            break
        time.sleep(0.3)
    expect(stopped, "the task whose container was killed is STOPPED")
    t = stopped[0]
    expect_eq((t["stopCode"], t["containers"][0].get("exitCode")), ("EssentialContainerExited", 137),
              "stop code and the engine's exit code")
    gone = subprocess.run(["docker", "inspect", stray], capture_output=True).returncode != 0
    expect(gone, "a container with our label and no task is removed")
    wait_running(ecs, 3)  # the service replaced it


def service_containers():
    """(task ARN, main container id) of the service's task containers, read from their labels."""
    out = subprocess.run(["docker", "ps", "--filter", f"label=local-ecs.owner={OWNER}",
                          "--filter", "label=local-ecs.container-name=main", "--format",
                          '{{.Label "local-ecs.task-arn"}} {{.ID}}'], capture_output=True, text=True, check=True).stdout
    rows = [tuple(line.split()) for line in out.splitlines()]
    return [r for r in rows if r[0] != S["standalone"]]


def check_a_second_server_on_the_same_state_dir_is_refused():
    if SERVER.poll() is not None:
        start()
    other = subprocess.run([BIN, "--port", str(free_port()), "--runtime", "simulated", "--state-dir", STATE],
                           capture_output=True, text=True, timeout=20)
    expect(other.returncode != 0, "a second server exits", other.returncode)
    expect("in use by another local-ecs" in other.stderr, "it says why", other.stderr.strip())


def check_stop_tasks_on_exit_leaves_nothing():
    graceful()
    start("--stop-tasks-on-exit", "true")
    before = [t["taskArn"] for t in wait_running(client("ecs"), 3)]
    graceful()
    expect_eq(ours(), [], "containers of ours after a graceful stop with --stop-tasks-on-exit")
    start()
    ecs = client("ecs")
    stopped = ecs.describe_tasks(cluster=CLUSTER, tasks=before)["tasks"]
    expect_eq(sorted((t["lastStatus"], t.get("stoppedReason")) for t in stopped),
              [("STOPPED", "local-ecs is shutting down")] * 3, "the tasks stopped at exit, as saved")


def teardown():
    if SERVER and SERVER.poll() is None:
        try:
            urllib.request.urlopen(urllib.request.Request(f"{URL}/_local-ecs/reset", method="POST"), timeout=30)
        except OSError:
            pass
        graceful()
    leftovers = ours()
    if leftovers:
        subprocess.run(["docker", "rm", "-f", *leftovers], capture_output=True)
    shutil.rmtree(STATE, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup=setup, teardown=teardown))
