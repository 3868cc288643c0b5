//! One integration-test binary (linked once): the pipeline on the real local
//! backend with the offline providers.

mod local_pipeline;
