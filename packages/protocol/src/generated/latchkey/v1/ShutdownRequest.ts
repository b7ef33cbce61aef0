// Original file: proto/latchkey/v1/agent.proto


export interface ShutdownRequest {
}

export interface ShutdownRequest__Output {
}
