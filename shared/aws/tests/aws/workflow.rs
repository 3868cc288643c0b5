//! SfnCallback against moto's Step Functions executor: a real
//! `.waitForTaskToken` wait resumed by the callback, and answers to tokens
//! nobody waits on reported as `Gone`.

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;

use noktvrn_aws::SfnCallback;
use noktvrn_pipeline::ports::{ReleaseQueue, ResumeOutcome, WorkflowCallback};

use crate::support::aws;

const ROLE: &str = "arn:aws:iam::123456789012:role/noktvrn-test";

/// A machine whose one task posts its task token to `queue_url` and waits.
fn waiting_machine(queue_url: &str) -> String {
    json!({
        "StartAt": "WaitForApproval",
        "States": {
            "WaitForApproval": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": queue_url,
                    "MessageBody": { "task_token.$": "$$.Task.Token" }
                },
                "TimeoutSeconds": 120,
                "HeartbeatSeconds": 60,
                "End": true
            }
        }
    })
    .to_string()
}

async fn wait_for_status(
    sfn: &aws_sdk_sfn::Client,
    execution: &str,
    want: ExecutionStatus,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = sfn
            .describe_execution()
            .execution_arn(execution)
            .send()
            .await
            .unwrap();
        if out.status == want {
            return out;
        }
        assert!(
            Instant::now() < deadline,
            "execution is {:?}, waited for {want:?}",
            out.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The task token the waiting task posted to the queue.
async fn posted_token(queue: &dyn ReleaseQueue) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(d) = queue
            .receive(1, Duration::from_secs(30))
            .await
            .unwrap()
            .pop()
        {
            queue.ack(&d.receipt).await.unwrap();
            let body: serde_json::Value = serde_json::from_str(&d.body).unwrap();
            return body["task_token"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "no task token was posted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_callback_resumes_a_waiting_execution_and_a_second_answer_is_gone() {
    // GIVEN an execution waiting on a task token
    let aws = aws().await;
    aws.moto.enable_sfn_execution();
    let sfn = aws_sdk_sfn::Client::new(&aws.stack.sdk);
    let machine = sfn
        .create_state_machine()
        .name("noktvrn-approval-wait")
        .role_arn(ROLE)
        .definition(waiting_machine(&aws.stack.config.release_queue_url))
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let start = |name: &'static str| {
        sfn.start_execution()
            .state_machine_arn(&machine)
            .name(name)
            .input("{}")
            .send()
    };
    let callback = SfnCallback::new(&aws.stack.sdk);

    // WHEN the callback answers with success THEN the execution resumes
    // with that output
    let approved = start("approved").await.unwrap().execution_arn;
    let token = posted_token(aws.stores.queue.as_ref()).await;
    assert_eq!(
        callback.heartbeat(&token).await.unwrap(),
        ResumeOutcome::Delivered
    );
    let output = json!({"decision": "approved", "applied": true});
    assert_eq!(
        callback.succeed(&token, &output).await.unwrap(),
        ResumeOutcome::Delivered
    );
    let done = wait_for_status(&sfn, &approved, ExecutionStatus::Succeeded).await;
    let got: serde_json::Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(got, output);

    // AND a duplicate or late answer finds nobody waiting
    assert_eq!(
        callback.succeed(&token, &output).await.unwrap(),
        ResumeOutcome::Gone
    );
    assert_eq!(
        callback.heartbeat(&token).await.unwrap(),
        ResumeOutcome::Gone
    );
    // (A late SendTaskFailure is not checked here: moto 5.2 looks its token
    // up in finished executions too and accepts it; AWS answers
    // TaskTimedOut / TaskDoesNotExist, which `fail` maps to Gone exactly as
    // the unknown-token test shows.)

    // WHEN the callback answers with a failure THEN the execution fails
    // with that error name
    let rejected = start("rejected").await.unwrap().execution_arn;
    let token = posted_token(aws.stores.queue.as_ref()).await;
    let long_cause = "x".repeat(40_000);
    assert_eq!(
        callback
            .fail(&token, "Permanent.Rejected", &long_cause)
            .await
            .unwrap(),
        ResumeOutcome::Delivered
    );
    let failed = wait_for_status(&sfn, &rejected, ExecutionStatus::Failed).await;
    assert_eq!(failed.error(), Some("Permanent.Rejected"));
}

#[tokio::test]
async fn an_unknown_or_invalid_token_is_gone_not_an_error() {
    let aws = aws().await;
    aws.moto.enable_sfn_execution();
    let callback = SfnCallback::new(&aws.stack.sdk);
    for token in ["not-a-token", "AAAAKgAAAAIAAAAAAAAAAbogus"] {
        assert_eq!(
            callback.succeed(token, &json!({})).await.unwrap(),
            ResumeOutcome::Gone,
            "{token}"
        );
        assert_eq!(
            callback.fail(token, "Permanent.Timeout", "").await.unwrap(),
            ResumeOutcome::Gone
        );
        assert_eq!(
            callback.heartbeat(token).await.unwrap(),
            ResumeOutcome::Gone
        );
    }
}
