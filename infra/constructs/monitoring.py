"""Alarms and where they go: one encrypted SNS topic, a DLQ-depth alarm per DLQ, errors per function."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Tags
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class Monitoring(Construct):
    """Operators subscribe to ``topic``; every alarm of the stack notifies it."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # A customer managed key: CloudWatch cannot publish to a topic encrypted with aws/sns.
        self.key = kms.Key(
            self,
            "AlarmTopicKey",
            description="Encrypts the aftersales alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        self.topic = sns.Topic(
            self, "AlarmTopic", display_name="Aftersales alarms", master_key=self.key, enforce_ssl=True
        )
        self._action = cw_actions.SnsAction(self.topic)

    def _notify(self, alarm: cloudwatch.Alarm) -> cloudwatch.Alarm:
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        return alarm

    def alarm_on_dlq(self, dlq: sqs.IQueue, name: str) -> cloudwatch.Alarm:
        """Any message in a DLQ is a ticket (or event) nobody handled: alarm on the first one."""
        alarm = cloudwatch.Alarm(
            self,
            f"DlqDepth-{name}",
            alarm_description=f"Messages waiting in the {name} dead-letter queue",
            metric=dlq.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic=cloudwatch.Stats.MAXIMUM
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        Tags.of(alarm).add("aftersales:alarm", f"dlq:{name}")
        return self._notify(alarm)

    def alarm_on_errors(self, function: lambda_.IFunction, name: str) -> cloudwatch.Alarm:
        """Unhandled errors (not business rejections, which return 4xx) page the operator."""
        alarm = cloudwatch.Alarm(
            self,
            f"Errors-{name}",
            alarm_description=f"Lambda {name} raised unhandled errors",
            metric=function.metric_errors(period=Duration.minutes(5), statistic=cloudwatch.Stats.SUM),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        Tags.of(alarm).add("aftersales:alarm", f"errors:{name}")
        return self._notify(alarm)
