/** Copies the dashboard's libraries from node_modules into dashboard/vendor/; returns how many files changed. */
export function vendorAssets(): number;
