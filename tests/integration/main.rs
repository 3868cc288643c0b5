//! One integration-test binary (linked once):
//! - `local_pipeline`: the pipeline on the real local backend with the
//!   offline providers;
//! - `aws_workflow`: the real state machine on moto's Step Functions
//!   executor, running the real Lambda handlers against moto's DynamoDB, S3,
//!   SQS and Step Functions (needs `moto_server`, installed by
//!   scripts/test.sh).

mod aws_workflow;
mod local_pipeline;
