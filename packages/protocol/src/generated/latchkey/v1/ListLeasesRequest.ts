// Original file: proto/latchkey/v1/agent.proto


export interface ListLeasesRequest {
}

export interface ListLeasesRequest__Output {
}
