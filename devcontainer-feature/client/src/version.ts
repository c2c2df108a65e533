/** The client's version; a unit test keeps it equal to package.json's. */
export const clientVersion = "0.1.0";
