"""Airflow DAG that runs the KTP jobs as one spark-submit each.

The tasks, their order and their arguments are read from ktp_tasks.json beside this file, so
that the KTP build can check the same arguments against each job's command line
(AirflowTasksTest). Edit that file, not this one, to change what a task runs.

Requires Airflow 2.4 or later and apache-airflow-providers-apache-spark with the
properties_file argument of SparkSubmitOperator (added in December 2023). The Spark connection
(conn_id in ktp_tasks.json) names the master and the spark-submit binary.
"""

import json
import pathlib

import pendulum
from airflow import DAG
from airflow.models.param import Param
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

TASKS_FILE = pathlib.Path(__file__).with_name("ktp_tasks.json")


def load_spec(path=TASKS_FILE):
    """Read the DAG description: shared submit settings, DAG params and tasks."""
    with open(path, encoding="utf-8") as spec_file:
        return json.load(spec_file)


def build_dag(spec):
    """Create the DAG with one SparkSubmitOperator per task and the upstream links."""
    params = {
        name: Param(param["default"], type="string", description=param["description"])
        for name, param in spec["params"].items()
    }
    with DAG(
        dag_id=spec["dag_id"],
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        # Runs share the workspace's sample tables, which ingest and denoise replace.
        max_active_runs=1,
        params=params,
        tags=["ktp"],
    ) as dag:
        operators = {}
        for task in spec["tasks"]:
            operators[task["task_id"]] = SparkSubmitOperator(
                task_id=task["task_id"],
                conn_id=spec["conn_id"],
                application=spec["application"],
                java_class=spec["java_class"],
                properties_file=spec["properties_file"],
                env_vars=spec["env_vars"],
                name="ktp-" + task["task_id"],
                application_args=task["args"],
            )
        for task in spec["tasks"]:
            for upstream in task["upstream"]:
                operators[upstream] >> operators[task["task_id"]]
    return dag


dag = build_dag(load_spec())
