// Resumable direct-to-storage uploads with progress (Uppy). Pages that upload include this bundle
// and mark a container with data-uploader; the server supplies the signing endpoints.
import Uppy from "@uppy/core";
import Dashboard from "@uppy/dashboard";
import AwsS3 from "@uppy/aws-s3";

window.RapportUploads = { Uppy, Dashboard, AwsS3 };
