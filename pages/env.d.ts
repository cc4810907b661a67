/** The path of Web Chat's bundle in the build, `/assets/webchat-<version>.js` (webChatBundle.mts). */
declare const __WEBCHAT_BUNDLE_URL__: string;
