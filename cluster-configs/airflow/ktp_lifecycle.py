"""Airflow DAG that closes the model lifecycle loop: drift, then recalibrate, then stop.

Each task runs one KTP job with spark-submit and branches on its exit status, as
ktp_lifecycle_tasks.json beside this file lists: drift exits 0 when no recalibration is advised
(the run ends at no_drift) and 3 when it is advised (recalibrate runs); recalibrate exits 0 when
it promoted the new version (promoted) and 4 when the production alias stayed where it was
(production_kept, the recalibration report says why). Any other status fails the task. Edit the
JSON file, not this one, to change what a task runs; AirflowTasksTest checks its arguments.

Requires Airflow 2.4 or later. The jobs run through the spark-submit binary named by the
spark_submit param, with the cluster's spark-defaults.conf as properties file.
"""

import json
import logging
import os
import pathlib
import subprocess

import pendulum
from airflow import DAG
from airflow.exceptions import AirflowException
from airflow.models.param import Param
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator

TASKS_FILE = pathlib.Path(__file__).with_name("ktp_lifecycle_tasks.json")
LOG = logging.getLogger(__name__)


def load_spec(path=TASKS_FILE):
    """Read the DAG description: submit settings, DAG params, tasks and end tasks."""
    with open(path, encoding="utf-8") as spec_file:
        return json.load(spec_file)


def submit_and_branch(command, env_vars, branches, task_id):
    """Run one spark-submit, log its output, and return the task its exit status selects."""
    environment = dict(os.environ, **env_vars)
    with subprocess.Popen(command, env=environment, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as process:
        for line in process.stdout:
            LOG.info("%s", line.rstrip())
        status = process.wait()
    branch = branches.get(str(status))
    if branch is None:
        raise AirflowException(
            f"{task_id} failed with exit status {status} (expected one of "
            f"{sorted(branches)}): see the job's log lines above")
    LOG.info("%s exited with %s: continuing with %s", task_id, status, branch)
    return branch


def submit_command(spec, task):
    """Return the spark-submit command line of one task."""
    return [spec["spark_submit"], "--properties-file", spec["properties_file"],
            "--name", "ktp-" + task["task_id"], "--class", spec["java_class"],
            spec["application"], *task["args"]]


def build_dag(spec):
    """Create the DAG: one branching task per job and an empty task per end."""
    params = {
        name: Param(param["default"], type="string", description=param["description"])
        for name, param in spec["params"].items()
    }
    with DAG(
        dag_id=spec["dag_id"],
        schedule=spec["schedule"],
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        # A run moves the production alias, which the next run reads.
        max_active_runs=1,
        params=params,
        tags=["ktp"],
    ) as dag:
        operators = {end: EmptyOperator(task_id=end) for end in spec["ends"]}
        for task in spec["tasks"]:
            operators[task["task_id"]] = BranchPythonOperator(
                task_id=task["task_id"],
                python_callable=submit_and_branch,
                op_kwargs={
                    "command": submit_command(spec, task),
                    "env_vars": spec["env_vars"],
                    "branches": task["branches"],
                    "task_id": task["task_id"],
                },
            )
        for upstream, downstream in links(spec):
            operators[upstream] >> operators[downstream]
    return dag


def links(spec):
    """Return each (upstream, downstream) pair once: upstream lists and branch targets."""
    pairs = []
    for task in spec["tasks"]:
        pairs += [(upstream, task["task_id"]) for upstream in task["upstream"]]
        pairs += [(task["task_id"], target) for target in task["branches"].values()]
    return list(dict.fromkeys(pairs))


dag = build_dag(load_spec())
