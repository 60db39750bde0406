// Errors the simulator answers with, carrying Mold's codes and texts (mold-api-core.md §6).

export class ApiError extends Error {
    constructor(
        /** ApiErrorCode, also the HTTP status of a synchronous answer. */
        readonly errorcode: number,
        readonly errortext: string,
        /** CSExceptionErrorCode; null where Mold omits it (401, 400). */
        readonly cserrorcode: number | null = 9999,
        readonly uuidList: { uuid: string; description: string }[] = [],
    ) {
        super(errortext);
    }
}

/** 431 from an InvalidParameterValueException (cserrorcode 4350). */
export const invalidParam = (text: string) => new ApiError(431, text, 4350);

/** 431 for a required parameter that was not sent (ServerApiException without cause: 9999). */
export const missingParam = (cmdLower: string, name: string) =>
    new ApiError(431, `Unable to execute API command ${cmdLower} due to missing parameter ${name}`, 9999);

export const emptyParam = (name: string) => new ApiError(431, `Invalid value provided for API arg: ${name}`, 9999);

export const badNumber = (cmdLower: string, value: string, name: string) =>
    new ApiError(431, `Unable to execute API command ${cmdLower} due to invalid value ${value} for parameter ${name}`, 4350);

/**
 * 431 for a UUID that names no row. ParamProcessWorker turns the lookup's InvalidParameterValueException into a
 * ServerApiException without a cause, so the cserrorcode is 9999, not 4350 (mold-api-core.md §3.4, §6.4).
 */
export const unknownUuid = (cmdLower: string, name: string, value: string) =>
    new ApiError(
        431,
        `Unable to execute API command ${cmdLower} due to invalid value. Invalid parameter ${name} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`,
        9999,
    );

/** 530 INTERNAL_ERROR with the raw message (CloudRuntimeException). */
export const internalError = (text: string) => new ApiError(530, text, 4250);

/** 531 from a PermissionDeniedException. */
export const permissionDenied = (text: string) => new ApiError(531, text, 4365);

/** 537 NETWORK_RULE_CONFLICT_ERROR; cserrorcode 4360 when the cause is kept, 9999 when dropped. */
export const ruleConflict = (text: string, keepCause = true) => new ApiError(537, text, keepCause ? 4360 : 9999);

export const MALFORMED_MAP = (key: string) =>
    new ApiError(
        430,
        `Unable to decode parameter ${key}; if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup`,
        9999,
    );

export const UNAUTHORIZED_TEXT = "unable to verify user credentials and/or request signature";
